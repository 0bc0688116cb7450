// Package cards is the platform-neutral interactive card: a title, label /
// value rows and buttons that carry signed action tokens. Adapters render it
// for their platform.
package cards

// Card is what a reply or push shows besides (or instead of) text.
type Card struct {
	Title   string   `json:"title"`
	Fields  []Field  `json:"fields"`
	Buttons []Button `json:"buttons"`
}

// Field is one label / value row.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Button is one tap target; Action is a token from Signer.Sign.
type Button struct {
	Label  string `json:"label"`
	Action string `json:"action"`
}

// New starts a card with empty (not null) rows and buttons.
func New(title string) *Card {
	return &Card{Title: title, Fields: []Field{}, Buttons: []Button{}}
}

// Add appends a row and returns the card.
func (c *Card) Add(label, value string) *Card {
	c.Fields = append(c.Fields, Field{Label: label, Value: value})
	return c
}
