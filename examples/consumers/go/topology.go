// Topology: the queues, exchanges and bindings the project's runtime declares, with the same arguments.
package main

import (
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

func delayQueue(queue string, ms int) string { return fmt.Sprintf("%s.delay.%d", queue, ms) }
func deadQueue(queue string) string          { return queue + ".dead" }

// declareTopology lays out exchange X -> exchange <queue> -> queue <queue> (routing key RK);
// <queue>.delay.<ms> (TTL ms) dead-letter back to exchange <queue> with RK; <queue>.dead is terminal.
// With HARE_DECLARE=none the topology is managed elsewhere: it only checks that the queues exist.
func declareTopology(ch *amqp.Channel, c Config) error {
	if c.Declare == "none" {
		for _, name := range queueNames(c) {
			if _, err := ch.QueueDeclarePassive(name, true, false, false, false, nil); err != nil {
				return fmt.Errorf("queue %q (HARE_DECLARE=none: it must be declared elsewhere): %w", name, err)
			}
		}
		return nil
	}
	typeArgs := amqp.Table{}
	if c.QueueType == "quorum" {
		typeArgs["x-queue-type"] = "quorum"
	}
	exchanges := []string{c.Queue}
	if c.Exchange != "" && c.Exchange != c.Queue {
		exchanges = []string{c.Exchange, c.Queue}
	}
	for _, name := range exchanges {
		if err := ch.ExchangeDeclare(name, "topic", true, false, false, false, nil); err != nil {
			return fmt.Errorf("exchange %q: %w", name, err)
		}
	}
	queues := map[string]amqp.Table{c.Queue: typeArgs, deadQueue(c.Queue): typeArgs}
	for _, ms := range distinct(c.RetryDelaysMs) {
		args := amqp.Table{"x-dead-letter-exchange": c.Queue, "x-dead-letter-routing-key": c.RoutingKey, "x-message-ttl": int64(ms)}
		for k, v := range typeArgs {
			args[k] = v
		}
		if c.QueueType == "quorum" { // quorum dead-lettering is at-most-once unless asked otherwise
			args["x-dead-letter-strategy"] = "at-least-once"
			args["x-overflow"] = "reject-publish"
		}
		queues[delayQueue(c.Queue, ms)] = args
	}
	for name, args := range queues {
		if _, err := ch.QueueDeclare(name, true, false, false, false, args); err != nil {
			return fmt.Errorf("queue %q: %w", name, err)
		}
	}
	if len(exchanges) == 2 {
		if err := ch.ExchangeBind(c.Queue, c.RoutingKey, c.Exchange, false, nil); err != nil {
			return fmt.Errorf("binding of exchange %q to %q: %w", c.Queue, c.Exchange, err)
		}
	}
	if err := ch.QueueBind(c.Queue, c.RoutingKey, c.Queue, false, nil); err != nil {
		return fmt.Errorf("binding of queue %q: %w", c.Queue, err)
	}
	return nil
}

func distinct(sorted []int) []int {
	var out []int
	for i, v := range sorted {
		if i == 0 || v != sorted[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func queueNames(c Config) []string {
	names := []string{c.Queue, deadQueue(c.Queue)}
	for _, ms := range distinct(c.RetryDelaysMs) {
		names = append(names, delayQueue(c.Queue, ms))
	}
	return names
}
