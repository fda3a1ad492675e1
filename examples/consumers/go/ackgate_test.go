// Unit tests of ackGate (go test .): no ack while a cancel is held, and when the hold lets the cancel go.
package main

import (
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// acker records the acks sent, as the channel would.
type acker struct {
	mu   sync.Mutex
	acks []uint64
}

func (a *acker) Ack(tag uint64, _ bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.acks = append(a.acks, tag)
	return nil
}
func (a *acker) Nack(uint64, bool, bool) error { return nil }
func (a *acker) Reject(uint64, bool) error     { return nil }

func (a *acker) sent() []uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]uint64(nil), a.acks...)
}

func deliveries(a *acker, g *ackGate, n int) []amqp.Delivery {
	ds := make([]amqp.Delivery, n)
	for i := range ds {
		ds[i] = amqp.Delivery{Acknowledger: a, DeliveryTag: uint64(i + 1)}
		g.received()
	}
	return ds
}

func TestHeldAcksGoOutAtRelease(t *testing.T) {
	a, g := &acker{}, &ackGate{}
	ds := deliveries(a, g, 2)
	g.hold(2) // the prefetch is all here: nothing can be on its way, so at once
	_ = g.ack(ds[0])
	_ = g.ack(ds[1])
	if got := a.sent(); len(got) != 0 {
		t.Fatalf("acks sent while the cancel is held: %v", got)
	}
	if err := g.release(); err != nil {
		t.Fatal(err)
	}
	if got := a.sent(); len(got) != 2 {
		t.Fatalf("after release, want 2 acks sent, got %v", got)
	}
}

func TestHoldWaitsForTheDeliveryAnAckLetStart(t *testing.T) {
	a, g := &acker{}, &ackGate{}
	ds := deliveries(a, g, 3)
	_ = g.ack(ds[0]) // the broker may now be sending a 4th
	done := make(chan struct{})
	go func() { g.hold(3); close(done) }()
	select {
	case <-done:
		t.Fatal("hold returned with a delivery still on its way")
	case <-time.After(arrivalWait / 5):
	}
	g.received() // it arrived: the prefetch is used up
	select {
	case <-done:
	case <-time.After(arrivalWait / 2):
		t.Fatal("hold did not return once the prefetch was all delivered")
	}
}

func TestHoldReturnsArrivalWaitAfterTheLastAck(t *testing.T) {
	a, g := &acker{}, &ackGate{}
	ds := deliveries(a, g, 1)
	_ = g.ack(ds[0])
	started := time.Now()
	g.hold(10) // an empty queue: nothing comes
	if took := time.Since(started); took < arrivalWait*8/10 || took > arrivalWait*3 {
		t.Fatalf("hold took %v, want about %v", took, arrivalWait)
	}
	g2 := &ackGate{}
	started = time.Now()
	g2.hold(10) // no ack ever sent: at once
	if took := time.Since(started); took > arrivalWait/2 {
		t.Fatalf("hold with no ack sent took %v", took)
	}
}
