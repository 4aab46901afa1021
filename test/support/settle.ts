/** A promise's outcome as a value: `{ value }` or `{ error }`, for asserting on expected failures. */
export const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  );
