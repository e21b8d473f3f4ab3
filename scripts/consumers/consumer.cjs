// A CommonJS consumer: every package is require()d (Node's require(esm) loads jose and oauth4webapi).
'use strict';
const { exercise } = require('./exercise.cjs');

exercise('CommonJS', {
  core: require('@actiongate/core'),
  express: require('@actiongate/express'),
  koa: require('@actiongate/koa'),
  redis: require('@actiongate/redis'),
  client: require('@actiongate/client'),
  mcp: require('@actiongate/mcp'),
  jose: require('jose'),
  Express: require('express'),
  Koa: require('koa'),
  fastify: require('@actiongate/fastify'),
  Fastify: require('fastify'),
  hono: require('@actiongate/hono'),
  Hono: require('hono').Hono,
});
