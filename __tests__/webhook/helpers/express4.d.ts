// express 4 is installed under the name `express4` beside express 5; its
// API for these tests is the one @types/express describes
declare module "express4" {
  import express = require("express");
  export = express;
}
