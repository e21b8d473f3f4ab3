// An ES module consumer: every package is imported.
import * as client from '@actiongate/client';
import * as core from '@actiongate/core';
import * as express from '@actiongate/express';
import * as fastify from '@actiongate/fastify';
import * as hono from '@actiongate/hono';
import * as koa from '@actiongate/koa';
import * as mcp from '@actiongate/mcp';
import * as redis from '@actiongate/redis';
import Express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import * as jose from 'jose';
import Koa from 'koa';
import { exercise } from './exercise.cjs';

await exercise('ES module', { core, express, koa, redis, client, mcp, jose, Express, Koa, fastify, Fastify, hono, Hono });
