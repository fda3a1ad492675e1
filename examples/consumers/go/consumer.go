// Consumer: one broker session (connection named after the pod, topology, prefetch workers) and its drain.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// errLost: the broker connection or the consumer went away; the caller connects again.
var errLost = errors.New("lost the broker connection")

type consumer struct {
	cfg   Config
	log   *slog.Logger
	ready *atomic.Bool
}

// session consumes until drain is closed (then drains and returns nil) or the connection is lost.
func (c *consumer) session(drain <-chan struct{}) error {
	config := amqp.Config{
		Properties: amqp.Table{"connection_name": c.cfg.PodName, "product": "hare-operator Go reference consumer"},
		Heartbeat:  10 * time.Second,
	}
	if c.cfg.UnnamedConnection {
		delete(config.Properties, "connection_name")
	}
	if err := withTLS(&config, c.cfg.TLS); err != nil {
		return fmt.Errorf("%w: %v", errLost, err) // read at every connect: a rotated Secret is picked up
	}
	conn, err := amqp.DialConfig(c.cfg.BrokerURI, config)
	if err != nil {
		return fmt.Errorf("%w: %v", errLost, err)
	}
	defer conn.Close()
	setup, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("%w: %v", errLost, err)
	}
	if err := declareTopology(setup, c.cfg); err != nil {
		return fmt.Errorf("topology refused: %w", err)
	}
	_ = setup.Close()
	publisher, err := newRepublisher(conn)
	if err != nil {
		return fmt.Errorf("%w: %v", errLost, err)
	}
	recorder, err := newRecorder(conn, c.cfg)
	if err != nil {
		return fmt.Errorf("%w: %v", errLost, err)
	}
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("%w: %v", errLost, err)
	}
	if err := ch.Qos(c.cfg.Prefetch, 0, false); err != nil {
		return fmt.Errorf("%w: %v", errLost, err)
	}
	tag := c.cfg.PodName
	deliveries, err := ch.Consume(c.cfg.Queue, tag, false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", errLost, err)
	}
	work, abandon := context.WithCancel(context.Background())
	defer abandon()
	gate := &ackGate{}
	var workers sync.WaitGroup
	for range c.cfg.Prefetch { // one worker per unacked message the broker may send
		workers.Add(1)
		go func() {
			defer workers.Done()
			for d := range deliveries {
				gate.received()
				c.process(work, gate, publisher, recorder, d)
			}
		}()
	}
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	c.ready.Store(true)
	c.log.Info("consuming", "queue", c.cfg.Queue, "prefetch", c.cfg.Prefetch)
	select {
	case err := <-closed:
		c.ready.Store(false)
		return fmt.Errorf("%w: %v", errLost, err)
	case <-drain:
	}
	c.ready.Store(false)
	started := time.Now()
	c.log.Info("drain started", "timeout", c.cfg.DrainTimeout)
	// basic.cancel once what is on its way has arrived: no new deliveries; those sent before cancel-ok still reach
	// the workers; no ack goes out until cancel-ok
	gate.hold(c.cfg.Prefetch)
	if err := ch.Cancel(tag, false); err != nil {
		c.log.Warn("basic.cancel failed", "err", err)
	}
	if err := gate.release(); err != nil {
		c.log.Warn("could not ack (channel closed); the broker will redeliver the message", "err", err)
	}
	idle := make(chan struct{})
	go func() { workers.Wait(); close(idle) }()
	select {
	case <-idle:
		c.log.Info("drained", "durationMs", time.Since(started).Milliseconds())
	case <-time.After(c.cfg.DrainTimeout - time.Since(started)):
		abandon() // unfinished messages stay unacked: the broker redelivers them after the close
		c.log.Warn("drain timed out; unfinished messages are left to the broker to redeliver")
	}
	return nil
}

// process runs the handler and settles the delivery: ack, or hand a failure on and then ack.
func (c *consumer) process(ctx context.Context, gate *ackGate, publisher *republisher, recorder *recorder, d amqp.Delivery) {
	retries := intHeader(d.Headers, retryHeader)
	var failure error
	var to route
	if deliveries := intHeader(d.Headers, deliveryCountHeader); deliveries >= c.cfg.RedeliveryLimit {
		failure = fmt.Errorf("delivered %d times; the %d before ended unsettled", deliveries+1, deliveries)
		to = route{queue: deadQueue(c.cfg.Queue), retryCount: retries, deadCause: "redelivery-limit"}
	} else if failure = handle(ctx, d.Body, retries); failure != nil {
		to = routeFailure(c.cfg, retries)
	}
	if ctx.Err() != nil {
		return // abandoned at the drain timeout: never settled afterwards
	}
	if failure != nil {
		if err := publisher.handOn(ctx, d, to, failure.Error()); err != nil {
			c.log.Error("could not hand the message on; returning it to the queue", "err", err, "to", to.queue)
			time.Sleep(time.Second) // a broken topology must not become a hot loop
			gate.nack(d)
			return
		}
		c.log.Warn("handler failed; handed on", "messageId", d.MessageId, "to", to.queue, "reason", failure.Error())
	} else if err := recorder.record(ctx, d, retries); err != nil {
		c.log.Error("could not record the message; returning it to the queue", "err", err)
		gate.nack(d)
		return
	}
	if err := gate.ack(d); err != nil {
		c.log.Warn("could not ack (channel closed); the broker will redeliver the message", "err", err)
	}
}
