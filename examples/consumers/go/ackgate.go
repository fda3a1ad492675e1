// ackGate: acks held while basic.cancel is sent, so a quorum queue has nothing on its way to return at the cancel.
package main

import (
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// arrivalWait: how long after the last ack sent a held cancel waits for the delivery that ack let start (one Raft
// commit on a quorum queue: under 10 ms on one loaded node, measured; 50 for clusters).
const arrivalWait = 50 * time.Millisecond

// ackGate counts what the broker thinks this consumer holds and holds acks for a cancel. A quorum queue returns to
// the queue what is on its way to a consumer it is cancelling (RabbitMQ 3.10's rabbit_fifo_client returns deliveries
// for a consumer it has forgotten): redelivered, its delivery count raised, though no worker ever had it. Each ack
// lets one more delivery start its way, so none is sent while a cancel is held.
type ackGate struct {
	mu          sync.Mutex
	held        bool
	pending     []amqp.Delivery
	outstanding int // delivered, and no ack or nack sent
	lastSent    time.Time
	arrived     chan struct{} // closed at the next delivery, while a hold waits
}

// received: a worker took a delivery.
func (g *ackGate) received() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.outstanding++
	if g.arrived != nil {
		close(g.arrived)
		g.arrived = nil
	}
}

// ack sends the ack, or keeps it for release while a cancel is held.
func (g *ackGate) ack(d amqp.Delivery) error {
	g.mu.Lock()
	if g.held {
		g.pending = append(g.pending, d)
		g.mu.Unlock()
		return nil
	}
	g.outstanding--
	g.lastSent = time.Now()
	g.mu.Unlock()
	return d.Ack(false)
}

// nack returns the message to the queue now (a broken topology): the broker knows at once.
func (g *ackGate) nack(d amqp.Delivery) {
	g.mu.Lock()
	g.outstanding--
	g.lastSent = time.Now()
	g.mu.Unlock()
	_ = d.Nack(false, true)
}

// hold stops acks and returns once what the acks before let start has arrived: at once when all of prefetch is
// delivered and unacked, else arrivalWait after the last ack or nack sent.
func (g *ackGate) hold(prefetch int) {
	g.mu.Lock()
	g.held = true
	until := g.lastSent.Add(arrivalWait)
	for g.outstanding < prefetch && time.Now().Before(until) {
		arrived := make(chan struct{})
		g.arrived = arrived
		g.mu.Unlock()
		select {
		case <-arrived:
		case <-time.After(time.Until(until)):
		}
		g.mu.Lock()
	}
	g.arrived = nil
	g.mu.Unlock()
}

// release sends the acks kept since hold; the first error is returned (the channel closed: the broker redelivers).
func (g *ackGate) release() error {
	g.mu.Lock()
	pending := g.pending
	g.pending, g.held = nil, false
	g.outstanding -= len(pending)
	g.lastSent = time.Now()
	g.mu.Unlock()
	var first error
	for _, d := range pending {
		if err := d.Ack(false); err != nil && first == nil {
			first = err
		}
	}
	return first
}
