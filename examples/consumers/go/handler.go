// Handler: the example business logic. It reads a JSON body and fails on purpose when asked, so the
// retry cascade can be seen (and checked by the conformance kit): {"id", "sleepMs", "failTimes", "fail"}.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

type body struct {
	ID        string `json:"id"`
	SleepMs   int    `json:"sleepMs"`   // simulated work
	FailTimes int    `json:"failTimes"` // fail while the retry count is below this
	Fail      bool   `json:"fail"`      // always fail: retried, then dead-lettered
}

// handle returns nil to ack, or an error to retry through the cascade. ctx ends at the drain timeout.
func handle(ctx context.Context, payload []byte, retryCount int) error {
	var b body
	_ = json.Unmarshal(payload, &b) // not JSON: nothing to simulate, acknowledged
	if b.SleepMs > 0 {
		select {
		case <-time.After(time.Duration(b.SleepMs) * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if b.Fail || retryCount < b.FailTimes {
		return fmt.Errorf("refusing message %q (delivery %d)", b.ID, retryCount+1)
	}
	return nil
}
