import Fastify, { type FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { routeConfig } from './route-config.js';

describe('routeConfig(request)', () => {
  it('is the very object request.routeOptions.config is, on every route and on a request of another shape', async () => {
    const app = Fastify();
    const seen: boolean[] = [];
    const check = async (request: FastifyRequest) => {
      seen.push(routeConfig(request) === request.routeOptions.config);
      // A request object without Fastify's context symbol (another copy of Fastify) gets the public getter's answer.
      const foreign = { routeOptions: { config: { action: 'x' } } } as unknown as FastifyRequest;
      seen.push(routeConfig(foreign)?.action === 'x');
      return { action: routeConfig(request)?.action ?? null };
    };
    app.get('/a', { config: { action: 'a' } }, check);
    app.get('/b', check);
    expect((await app.inject('/a')).json()).toEqual({ action: 'a' });
    expect((await app.inject('/b')).json()).toEqual({ action: null });
    expect((await app.inject('/a')).json()).toEqual({ action: 'a' });
    expect(seen).toEqual([true, true, true, true, true, true]);
  });
});
