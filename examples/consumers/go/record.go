// Record: an option of this example (EXAMPLE_RECORD_QUEUE), not of the contract. After a message is handled, a
// record of it ({"id", "pod", "redelivered", "retryCount"}) is published, confirmed, before the ack, so a test
// can count every message processed, and any processed twice.
package main

import (
	"context"
	"encoding/json"

	amqp "github.com/rabbitmq/amqp091-go"
)

// recorder publishes records on its own confirm channel; nil when the option is off.
type recorder struct {
	pub   *republisher
	queue string
	pod   string
}

func newRecorder(conn *amqp.Connection, cfg Config) (*recorder, error) {
	if cfg.RecordQueue == "" {
		return nil, nil
	}
	pub, err := newRepublisher(conn)
	if err != nil {
		return nil, err
	}
	return &recorder{pub: pub, queue: cfg.RecordQueue, pod: cfg.PodName}, nil
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
	// mandatory: a missing record queue returns the record instead of dropping it, and the message is not acked
	return r.pub.publish(ctx, r.queue, amqp.Publishing{ContentType: "application/json", DeliveryMode: amqp.Persistent, Body: body}, "record")
}
