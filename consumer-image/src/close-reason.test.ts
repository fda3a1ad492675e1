import { describe, expect, it } from 'vitest';
import { closeReasonOf } from './close-reason.ts';

const amqpError = (code: number, message: string): Error => Object.assign(new Error(message), { code });

describe('closeReasonOf', () => {
  it('tells the broker close reasons apart', () => {
    expect(closeReasonOf(amqpError(320, 'Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - bye"'))).toEqual({ reason: 'connection-forced', code: 320 });
    expect(closeReasonOf(new Error('Heartbeat timeout'))).toEqual({ reason: 'heartbeat', code: undefined });
    const timeout = 'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out. Timeout value used: 1800000 ms"';
    expect(closeReasonOf(amqpError(406, timeout))).toEqual({ reason: 'consumer-timeout', code: 406 });
    expect(closeReasonOf(amqpError(406, 'PRECONDITION_FAILED - unknown delivery tag 7'))).toEqual({ reason: 'precondition-failed', code: 406 });
    expect(closeReasonOf(amqpError(404, 'NOT_FOUND - no queue'))).toEqual({ reason: 'not-found', code: 404 });
    expect(closeReasonOf(amqpError(541, 'INTERNAL_ERROR'))).toEqual({ reason: 'other', code: 541 });
    expect(closeReasonOf(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toEqual({ reason: 'socket', code: 'ECONNRESET' });
    expect(closeReasonOf(new Error('consumer channel closed'))).toEqual({ reason: 'other', code: undefined });
  });
});
