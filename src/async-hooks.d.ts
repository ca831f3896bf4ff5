/**
 * The part of `node:async_hooks` Gatehouse uses (workerd implements it under the nodejs_compat flag; the
 * project does not depend on @types/node).
 */
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, fn: () => R): R;
    getStore(): T | undefined;
  }
}
