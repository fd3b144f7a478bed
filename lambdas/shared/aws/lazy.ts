/**
 * Per-container singletons created on first use. Callers mark `lazy(...)` calls `@__PURE__`, so a
 * bundle that never calls a client's getter drops the getter and the SDK client behind it.
 */
export function lazy<T>(create: () => T): () => T {
  let instance: T | undefined;
  return () => {
    instance ??= create();
    return instance;
  };
}
