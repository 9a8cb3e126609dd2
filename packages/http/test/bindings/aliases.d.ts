/**
 * Types of the alias packages the binding matrix runs beside the current majors: `express4` (Express 4) and
 * `koa2` (Koa 2) ship no types of their own. The harnesses use only API that is the same in both majors
 * (creating the app, `use`/`all`/`get`/`set`, the body parsers, `res.json`; Koa's `use`, `callback` and
 * context), so the current majors' types describe them.
 */
declare module 'express4' {
  import express = require('express');
  export = express;
}

declare module 'koa2' {
  import Koa = require('koa');
  export = Koa;
}
