package dingtalk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"baobei/cards"
)

// MaxButtons is how many buttons the card template has slots for.
const MaxButtons = 6

// openSpace is where a card is delivered: a user's chat with the robot or
// a group.
type openSpace struct {
	id    string
	group bool
}

func robotSpace(uid string) openSpace            { return openSpace{id: uid} }
func groupSpace(conversationID string) openSpace { return openSpace{id: conversationID, group: true} }

// deliverCard creates a card from the template and delivers it; its taps
// come back over the stream.
func (a *Adapter) deliverCard(ctx context.Context, c *cards.Card, to openSpace) error {
	var res struct {
		Success bool `json:"success"`
		Result  struct {
			Deliveries []struct {
				Success  bool   `json:"success"`
				ErrorMsg string `json:"errorMsg"`
			} `json:"deliverResults"`
		} `json:"result"`
	}
	body := a.deliverBody(c, to, newOutTrackID())
	if err := a.openAPI(ctx, http.MethodPost, "/v1.0/card/instances/createAndDeliver", body, &res); err != nil {
		return err
	}
	for _, d := range res.Result.Deliveries {
		if !d.Success {
			return errors.New("dingtalk: card not delivered: " + d.ErrorMsg)
		}
	}
	if !res.Success {
		return errors.New("dingtalk: createAndDeliver did not succeed")
	}
	return nil
}

// deliverBody is the createAndDeliver request for a card.
func (a *Adapter) deliverBody(c *cards.Card, to openSpace, outTrackID string) map[string]any {
	body := map[string]any{
		"cardTemplateId": a.cfg.CardTemplateID,
		"outTrackId":     outTrackID,
		"callbackType":   "STREAM",
		"userIdType":     1,
		"cardData":       map[string]any{"cardParamMap": cardParams(c)},
	}
	if to.group {
		body["openSpaceId"] = "dtv1.card//IM_GROUP." + to.id
		body["imGroupOpenSpaceModel"] = map[string]any{"supportForward": false}
		body["imGroupOpenDeliverModel"] = map[string]any{"robotCode": a.cfg.RobotCode}
	} else {
		body["openSpaceId"] = "dtv1.card//IM_ROBOT." + to.id
		body["imRobotOpenSpaceModel"] = map[string]any{"supportForward": false}
		body["imRobotOpenDeliverModel"] = map[string]any{"spaceType": "IM_ROBOT", "robotCode": a.cfg.RobotCode}
	}
	return body
}

// cardParams are the template variables of a card (see the package doc).
func cardParams(c *cards.Card) map[string]string {
	lines := make([]string, 0, len(c.Fields))
	for _, f := range c.Fields {
		lines = append(lines, "**"+f.Label+"**："+f.Value)
	}
	fields, _ := json.Marshal(c.Fields)
	p := map[string]string{"title": c.Title, "content": strings.Join(lines, "\n"), "fields": string(fields),
		"btn_count": strconv.Itoa(min(len(c.Buttons), MaxButtons)), "status": "", "done": "false"}
	for i := range MaxButtons {
		var b cards.Button
		if i < len(c.Buttons) {
			b = c.Buttons[i]
		}
		n := strconv.Itoa(i + 1)
		p["btn_"+n+"_label"], p["btn_"+n+"_action"] = b.Label, b.Action
	}
	return p
}

// updateCard shows a tapped card's outcome and retires its buttons.
func (a *Adapter) updateCard(ctx context.Context, outTrackID, outcome string) error {
	var res struct {
		Success bool `json:"success"`
	}
	if err := a.openAPI(ctx, http.MethodPut, "/v1.0/card/instances", updateBody(outTrackID, outcome), &res); err != nil {
		return err
	}
	if !res.Success {
		return errors.New("dingtalk: card update did not succeed")
	}
	return nil
}

// updateBody is the PUT card/instances request that shows an outcome.
func updateBody(outTrackID, outcome string) map[string]any {
	return map[string]any{
		"outTrackId":        outTrackID,
		"cardData":          map[string]any{"cardParamMap": map[string]string{"status": outcome, "done": "true"}},
		"cardUpdateOptions": map[string]any{"updateCardDataByKey": true},
	}
}

func newOutTrackID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "bb" + hex.EncodeToString(b)
}
