package baobei

import (
	"context"
	"time"
)

// MessageClaim is the platform identity of an incoming message. The unit of
// work that handles it records it in processed_messages, so a redelivered
// message can never have a second effect.
type MessageClaim struct {
	Platform, ID string
}

// Unit is the work of one incoming message: everything it changes, its
// dedupe record and every reply and notice it causes commit in one
// transaction, or nothing does.
type Unit struct {
	Claim   MessageClaim // ID "" for a message without identity (it is not deduped)
	Inbound int64        // the inbound row marked done in the same transaction; 0 when none
	// Do runs the command against svc, which is bound to the unit's
	// transaction, and returns the replies to queue. An error rolls the
	// unit back: nothing it did stays, and it is tried again later.
	Do func(ctx context.Context, svc Service) ([]Notice, error)
}

// UnitResult is what became of one unit. Replayed means the message was
// handled before: Replies are the stored replies of that first run, already
// queued then, and nothing changed now. Err means the unit was rolled back.
type UnitResult struct {
	Replies  []Notice
	Replayed bool
	Err      error
}

// UnitRunner runs units of work, several in one transaction where it can.
type UnitRunner interface {
	RunUnits(ctx context.Context, now time.Time, units []Unit) ([]UnitResult, error)
}
