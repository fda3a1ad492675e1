// Retry: a failed message is republished, confirmed, to the delay cascade (or the dead queue past the
// limit) before its original is acked, with the runtime's headers, so no failure is lost or dropped.
package main

import (
	"context"
	"fmt"
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"
)

const (
	retryHeader         = "retry_count"      // HareMq's name: how many times the message was retried
	deliveryCountHeader = "x-delivery-count" // quorum queues: deliveries that ended unsettled
	acquiredCountHeader = "x-acquired-count" // RabbitMQ 4 quorum queues: acquisitions, requeues included
	originExchange      = "x-hare-original-exchange"
	originRoutingKey    = "x-hare-original-routing-key"
	deadCauseHeader     = "x-hare-dead-cause"
	deadReasonHeader    = "x-hare-dead-reason"
)

// route is where a failed message goes next.
type route struct {
	queue      string
	retryCount int // written to the retry header of the copy
	deadCause  string
}

// routeFailure follows the cascade: retry n+1 waits delays[min(n, last)]; past the limit, the dead queue.
func routeFailure(c Config, retryCount int) route {
	if retryCount >= c.RetryLimit {
		return route{queue: deadQueue(c.Queue), retryCount: retryCount, deadCause: "retry-limit"}
	}
	delay := c.RetryDelaysMs[min(retryCount, len(c.RetryDelaysMs)-1)]
	return route{queue: delayQueue(c.Queue, delay), retryCount: retryCount + 1}
}

// intHeader reads a numeric header whatever integer type the publisher used; 0 when absent.
func intHeader(headers amqp.Table, name string) int {
	switch v := headers[name].(type) {
	case int8:
		return int(v)
	case int16:
		return int(v)
	case int32:
		return int(v)
	case int64:
		return int(v)
	case int:
		return v
	case uint8:
		return int(v)
	case uint16:
		return int(v)
	case uint32:
		return int(v)
	case float64:
		return int(v)
	}
	return 0
}

// republisher publishes one message at a time on a confirm channel, so a return belongs to that message.
type republisher struct {
	mu      sync.Mutex
	ch      *amqp.Channel
	returns chan amqp.Return
}

func newRepublisher(conn *amqp.Connection) (*republisher, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	if err := ch.Confirm(false); err != nil {
		return nil, err
	}
	return &republisher{ch: ch, returns: ch.NotifyReturn(make(chan amqp.Return, 1))}, nil
}

// handOn publishes the copy (original properties and headers, where it was first published, the new retry
// count, persistent) and waits for the broker's confirm; an unroutable or nacked copy is an error, so the
// original is not acked. The delivery counters count deliveries of the original, so the copy drops them.
func (r *republisher) handOn(ctx context.Context, d amqp.Delivery, to route, reason string) error {
	headers := amqp.Table{originExchange: d.Exchange, originRoutingKey: d.RoutingKey} // the first copy's origin stays
	for k, v := range d.Headers {
		if k != deliveryCountHeader && k != acquiredCountHeader {
			headers[k] = v
		}
	}
	headers[retryHeader] = int32(to.retryCount)
	if to.deadCause != "" {
		headers[deadCauseHeader] = to.deadCause
		headers[deadReasonHeader] = truncate(reason, 1000)
	}
	msg := amqp.Publishing{
		Headers: headers, ContentType: d.ContentType, ContentEncoding: d.ContentEncoding, DeliveryMode: amqp.Persistent,
		Priority: d.Priority, CorrelationId: d.CorrelationId, ReplyTo: d.ReplyTo, MessageId: d.MessageId,
		Timestamp: d.Timestamp, Type: d.Type, AppId: d.AppId, Body: d.Body,
	}
	return r.publish(ctx, to.queue, msg, "copy")
}

// publish sends msg to queue through the default exchange, mandatory, and waits for the broker's confirm; an
// unroutable or nacked message is an error naming `what` (the copy, the record).
func (r *republisher) publish(ctx context.Context, queue string, msg amqp.Publishing, what string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	confirm, err := r.ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, msg)
	if err != nil {
		return err
	}
	acked, err := confirm.WaitContext(ctx)
	if err != nil {
		return err
	}
	select {
	case ret := <-r.returns: // delivered before the confirm, by the connection's reader
		return fmt.Errorf("%s unroutable to %s: %s", what, queue, ret.ReplyText)
	default:
	}
	if !acked {
		return fmt.Errorf("the broker nacked the %s", what)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
