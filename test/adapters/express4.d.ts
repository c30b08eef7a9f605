// `express4` is an npm alias of express 4, which ships no type declarations; its API used here is
// the same as express 5's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
