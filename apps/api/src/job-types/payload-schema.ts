import type { AnyHandlerDefinition } from '@app/handlers';
import { MAX, MIN } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';

/** A JSON Schema object (draft 7 subset), as class-validator-jsonschema writes it. */
export type JsonSchema = Record<string, unknown>;

const REF_PREFIX = '#/definitions/';

/**
 * The JSON Schema of each payload class, from the class-validator decorators themselves, so the
 * schema cannot drift from what POST /jobs checks. Every object refuses unknown properties, as
 * validation does (forbidNonWhitelisted). A nested class (`$ref`) comes along in `definitions`.
 */
export function payloadSchemas(
  definitions: readonly AnyHandlerDefinition[],
): Map<AnyHandlerDefinition, JsonSchema> {
  const all = validationMetadatasToSchemas({
    refPointerPrefix: REF_PREFIX,
    // @Min/@Max say nothing about the type: left alone they would turn an @IsInt into "number"
    additionalConverters: {
      [MIN]: (meta) => ({ minimum: meta.constraints[0] as number }),
      [MAX]: (meta) => ({ maximum: meta.constraints[0] as number }),
    },
  }) as Record<string, JsonSchema>;
  const closed = (name: string): JsonSchema => ({
    ...(all[name] ?? { type: 'object', properties: {} }),
    additionalProperties: false,
  });
  return new Map(
    definitions.map((d) => {
      const name = d.payload.name;
      const refs = referencedNames(all, name);
      const schema = closed(name);
      if (refs.length > 0)
        schema.definitions = Object.fromEntries(refs.map((ref) => [ref, closed(ref)]));
      return [d, schema];
    }),
  );
}

/** The schema names `name` refers to, directly or through another, without `name` itself. */
function referencedNames(all: Record<string, JsonSchema>, name: string): string[] {
  const seen = new Set<string>([name]);
  const queue = [name];
  while (queue.length > 0) {
    const text = JSON.stringify(all[queue.pop()!] ?? {});
    for (const match of text.matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)) {
      if (!seen.has(match[1])) {
        seen.add(match[1]);
        queue.push(match[1]);
      }
    }
  }
  seen.delete(name);
  return [...seen];
}
