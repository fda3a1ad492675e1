// Record: an option of this example (EXAMPLE_RECORD_QUEUE), not of the contract. After a message is handled, a
// record of it ({"id", "pod", "redelivered", "retryCount"}) is published, confirmed, before the ack, so a test
// can count every message processed, and any processed twice.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"
)

// recorder publishes records on its own confirm channel; nil when the option is off.
type recorder struct {
	mu      sync.Mutex
	ch      *amqp.Channel
	returns chan amqp.Return
	queue   string
	pod     string
}

func newRecorder(conn *amqp.Connection, cfg Config) (*recorder, error) {
	if cfg.RecordQueue == "" {
		return nil, nil
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	if err := ch.Confirm(false); err != nil {
		return nil, err
	}
	return &recorder{ch: ch, returns: ch.NotifyReturn(make(chan amqp.Return, 1)), queue: cfg.RecordQueue, pod: cfg.PodName}, nil
}

func (r *recorder) record(ctx context.Context, d amqp.Delivery, retryCount int) error {
	if r == nil {
		return nil
	}
	var b struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(d.Body, &b)
	body, err := json.Marshal(map[string]any{"id": b.ID, "pod": r.pod, "redelivered": d.Redelivered, "retryCount": retryCount})
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// mandatory: a missing record queue returns the record instead of dropping it, and the message is not acked
	confirm, err := r.ch.PublishWithDeferredConfirmWithContext(ctx, "", r.queue, true, false,
		amqp.Publishing{ContentType: "application/json", DeliveryMode: amqp.Persistent, Body: body})
	if err != nil {
		return err
	}
	acked, err := confirm.WaitContext(ctx)
	if err != nil {
		return err
	}
	select {
	case ret := <-r.returns: // delivered before the confirm, by the connection's reader
		return fmt.Errorf("record unroutable to %s: %s", r.queue, ret.ReplyText)
	default:
	}
	if !acked {
		return errors.New("the broker nacked the record")
	}
	return nil
}
