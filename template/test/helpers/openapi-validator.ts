import { compileErrors, validate } from '@readme/openapi-parser';
import { expect } from 'vitest';

/** Fails the test with the validator's own messages when the document is not valid OpenAPI. */
export async function expectValidOpenApi(document: unknown) {
  // The validator dereferences in place: give it a copy.
  const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
  expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
}
