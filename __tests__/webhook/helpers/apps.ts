import http from "node:http";
import connect from "connect";
import express from "express";
import express4 from "express4";

import type { WebhookMiddleware } from "../../../lib/index";

/** The path every app mounts the receiver at. */
export const hookPath = "/hooks";

/**
 * A kind of app the receiver must work in. Each mounts `middleware` at
 * {@link hookPath} (the plain server answers every path with it); the
 * Express apps also parse JSON after it and echo it at `/echo`, to show
 * that other routes still get their parsed body.
 */
export interface AppFactory {
  name: string;
  isExpress: boolean;
  create(middleware: WebhookMiddleware): http.RequestListener;
}

function expressApp(lib: typeof express, middleware: WebhookMiddleware) {
  const app = lib();
  app.use(hookPath, middleware);
  app.use(lib.json());
  app.post("/echo", (req, res) => {
    res.json({ parsed: req.body as unknown });
  });
  return app;
}

export const express5App: AppFactory = {
  name: "express 5",
  isExpress: true,
  create: (middleware) => expressApp(express, middleware),
};

export const express4App: AppFactory = {
  name: "express 4",
  isExpress: true,
  create: (middleware) => expressApp(express4, middleware),
};

export const connectApp: AppFactory = {
  name: "connect",
  isExpress: false,
  create: (middleware) => {
    const app = connect();
    app.use(hookPath, middleware);
    return app;
  },
};

export const plainApp: AppFactory = {
  name: "http.createServer",
  isExpress: false,
  create: (middleware) => (req, res) => middleware(req, res),
};

/** Every kind of app, for `describe.each`. */
export const appFactories: readonly AppFactory[] = [
  express5App,
  express4App,
  connectApp,
  plainApp,
];

/** The two Express majors, for the per-preset status tables. */
export const expressFactories: readonly AppFactory[] = [
  express5App,
  express4App,
];
