import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeRedactor, redactError, redactUri, secretsOf } from './redact.ts';

describe('redactUri', () => {
  it('masks user and password, keeps host, port and vhost', () => {
    expect(redactUri('amqp://app:s3cret@rabbit.svc:5672/orders')).toBe('amqp://***:***@rabbit.svc:5672/orders');
    expect(redactUri('amqps://rabbit/')).toBe('amqps://rabbit/');
  });

  it('masks an unparseable value whole', () => {
    expect(redactUri('amqp://bad host:pw')).toBe('***');
  });
});

describe('makeRedactor', () => {
  const uri = 'amqp://app:p%40ss-w0rd@rabbit:5672/';
  const redact = makeRedactor(secretsOf(uri));

  it('removes the URI, the encoded and the decoded password', () => {
    const text = `connect ${uri} failed; password p@ss-w0rd or p%40ss-w0rd; user app:p@ss-w0rd`;
    const out = redact(text);
    expect(out).not.toContain('p@ss-w0rd');
    expect(out).not.toContain('p%40ss-w0rd');
    expect(out).toContain('connect ');
  });

  it('masks credentials of any amqp URI, even unknown ones', () => {
    expect(redact('to amqps://other:zz@host/vh')).toBe('to amqps://***@host/vh');
  });

  it('does not mask short passwords as free text, only in URIs', () => {
    const r = makeRedactor(secretsOf('amqp://guest:abc@h/'));
    expect(r('abc appears; amqp://guest:abc@h/')).toBe('abc appears; amqp://***@h/');
  });

  it('never lets a generated password through', () => {
    const password = fc.stringMatching(/^[A-Za-z0-9@%:#?!$&'()*+,;=._~-]{6,40}$/).filter((s) => /[A-Za-z0-9]{6}/.test(s));
    fc.assert(
      fc.property(password, (pw) => {
        const uri = `amqp://user:${encodeURIComponent(pw)}@broker:5672/`;
        const out = makeRedactor(secretsOf(uri))(`x ${uri} y ${pw} z`);
        expect(out).not.toContain(pw);
        expect(out).not.toContain(encodeURIComponent(pw));
      }),
    );
  });
});

describe('redactError', () => {
  it('redacts message, stack and causes', () => {
    const redact = makeRedactor(secretsOf('amqp://u:hunter22@h/'));
    const err = new Error('outer hunter22', { cause: new Error('inner amqp://u:hunter22@h/') });
    const out = JSON.stringify(redactError(err, redact));
    expect(out).not.toContain('hunter22');
    expect(out).toContain('outer ***');
  });
});
