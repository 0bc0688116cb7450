package bot

// Queued is how many pushes wait in key's sender queue (tests wait for a
// lease to reach the senders).
func Queued(p *Pusher, key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.busy[key])
}
