import type { AnyHandlerDefinition } from '@app/handlers';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { payloadSchemas } from './payload-schema';

class Window {
  @Max(60) @Min(1) @IsInt() minutes!: number;
}

class SamplePayload {
  @Max(10) @Min(0) @IsInt() count!: number;
  @IsOptional() @IsString() label?: string;
  @IsOptional() @IsIn(['a', 'b']) lane?: 'a' | 'b';
  @IsOptional() @IsBoolean() dryRun?: boolean;
  @IsOptional() @ValidateNested() window?: Window;
}

class EmptyPayload {}

const definition = (type: string, payload: new () => object): AnyHandlerDefinition => ({
  type,
  payload,
  run: () => Promise.resolve(null),
});

describe('payloadSchemas', () => {
  const sample = definition('sample', SamplePayload);
  const empty = definition('empty', EmptyPayload);
  const schemas = payloadSchemas([sample, empty]);

  it('writes each rule of the payload class into the schema, an @IsInt with bounds staying an integer', () => {
    expect(schemas.get(sample)).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['count'],
      properties: {
        count: { type: 'integer', minimum: 0, maximum: 10 },
        label: { type: 'string' },
        lane: { enum: ['a', 'b'] },
        dryRun: { type: 'boolean' },
      },
    });
  });

  it('brings a nested class along under definitions, closed to unknown properties too', () => {
    const schema = schemas.get(sample)!;
    expect(schema.properties).toMatchObject({ window: { $ref: '#/definitions/Window' } });
    expect(schema.definitions).toEqual({
      Window: {
        type: 'object',
        additionalProperties: false,
        required: ['minutes'],
        properties: { minutes: { type: 'integer', minimum: 1, maximum: 60 } },
      },
    });
  });

  it('gives a class without rules an empty, closed object schema', () => {
    expect(schemas.get(empty)).toEqual({
      type: 'object',
      properties: {},
      additionalProperties: false,
    });
  });
});
