package sandbox

// Snapshot returns what user has received and a channel closed at the next
// change, read together: waiting on the channel then cannot miss a message
// that arrived after the snapshot.
func (c *Corp) Snapshot(user string) ([]Received, <-chan struct{}) {
	c.mu.Lock()
	ch := c.changed
	c.mu.Unlock()
	return c.Messages(user), ch
}
