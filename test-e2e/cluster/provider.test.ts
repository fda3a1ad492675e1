// Unit tests: provider selection and the settings each non-local provider insists on.
import { describe, expect, it } from 'vitest';
import { brokerFromEnv, chooseProvider, ProviderUnavailableError } from './provider.ts';

const works = (ok: string[]) => (cmd: string): boolean => ok.includes(cmd);

describe('chooseProvider', () => {
  it('honours HARE_E2E_PROVIDER', () => {
    expect(chooseProvider({ HARE_E2E_PROVIDER: 'existing' }, works([]))).toBe('existing');
    expect(chooseProvider({ HARE_E2E_PROVIDER: 'local' }, works(['docker', 'kind']))).toBe('local');
  });
  it('rejects an unknown provider name', () => {
    expect(() => chooseProvider({ HARE_E2E_PROVIDER: 'minikube' })).toThrow(ProviderUnavailableError);
  });
  it('defaults to kind only when both docker and kind work, else local', () => {
    expect(chooseProvider({}, works(['docker', 'kind']))).toBe('kind');
    expect(chooseProvider({}, works(['kind']))).toBe('local');
    expect(chooseProvider({}, works([]))).toBe('local');
  });
});

describe('brokerFromEnv', () => {
  it('requires HARE_E2E_BROKER_URI and says why', () => {
    expect(() => brokerFromEnv({}, 'kind')).toThrow(/HARE_E2E_BROKER_URI/);
  });
  it('parses credentials from the URI', () => {
    const b = brokerFromEnv({ HARE_E2E_BROKER_URI: 'amqp://u:p%21@mq:5672/', HARE_E2E_BROKER_MANAGEMENT_URI: 'http://u:p%21@mq:15672/' }, 'existing');
    expect(b).toMatchObject({ username: 'u', password: 'p!', managementUri: 'http://u:p%21@mq:15672/' });
  });
});
