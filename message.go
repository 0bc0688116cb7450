package baobei

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrDuplicateMessage: the platform message was processed before; the
// transaction that found out changed nothing.
var ErrDuplicateMessage = errors.New("message already processed")

// MessageClaim is the platform identity of the message being handled. The
// first transaction that commits on behalf of the message records it in
// processed_messages, so a redelivered message can never have a second effect.
type MessageClaim struct {
	Platform, ID string
	done         atomic.Bool
}

// Done reports whether a committed transaction recorded the message.
func (m *MessageClaim) Done() bool { return m.done.Load() }

// MarkDone is called by the store after the recording transaction commits.
func (m *MessageClaim) MarkDone() { m.done.Store(true) }

type claimKey struct{}

// WithMessageClaim attaches the claim to ctx for the store to record.
func WithMessageClaim(ctx context.Context, m *MessageClaim) context.Context {
	return context.WithValue(ctx, claimKey{}, m)
}

// MessageClaimFrom returns the claim carried by ctx, or nil.
func MessageClaimFrom(ctx context.Context) *MessageClaim {
	m, _ := ctx.Value(claimKey{}).(*MessageClaim)
	return m
}
