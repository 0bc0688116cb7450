package store

import "baobei"

// WithPolicy is s enforcing p instead, on the same database: a restart with
// another baobei.yaml.
func WithPolicy(s *Store, p baobei.Policy) *Store {
	c := *s
	c.policy = p
	return &c
}
