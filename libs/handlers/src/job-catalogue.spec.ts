import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { JOB_CATALOGUE } from './catalogue';
import type { AnyHandlerDefinition } from './handler-context';
import { JobCatalogue } from './job-catalogue';

class ItemPayload {
  @IsString() name!: string;
  @IsOptional() @Min(0) @IsInt() size?: number;
}

const item: AnyHandlerDefinition = {
  type: 'item',
  payload: ItemPayload,
  run: () => Promise.resolve(null),
};

describe('JobCatalogue', () => {
  const catalogue = new JobCatalogue([item]);

  it('lists the service’s job types, echo included', () => {
    expect(JOB_CATALOGUE.types()).toEqual([
      'bulk-import',
      'cleanup-jobs',
      'echo',
      'export',
      'thumbnail-generation',
    ]);
  });

  it('accepts a valid payload as an instance of its type’s class', () => {
    const check = catalogue.check('item', { name: 'a', size: 2 }, 'alice');
    expect(check).toEqual({ ok: true, value: { name: 'a', size: 2 } });
    expect(check.ok && check.value).toBeInstanceOf(ItemPayload);
  });

  it('refuses an unknown type, naming the known ones', () => {
    expect(catalogue.with({ ...item, type: 'other' }).check('nope', {}, 'alice')).toEqual({
      ok: false,
      reason: 'unknown-type',
      jobType: 'nope',
      known: ['item', 'other'],
      message: 'Unknown job type "nope"; known types: item, other',
    });
  });

  it('refuses a bad payload, naming every bad field', () => {
    expect(catalogue.check('item', { size: -1, extra: true }, 'alice')).toEqual({
      ok: false,
      reason: 'invalid-payload',
      jobType: 'item',
      problems: [
        { field: 'payload.extra', message: 'property payload.extra should not exist' },
        { field: 'payload.name', message: 'payload.name must be a string' },
        { field: 'payload.size', message: 'payload.size must not be less than 0' },
      ],
      message:
        'Invalid payload for "item": property payload.extra should not exist; payload.name must be a string; payload.size must not be less than 0',
    });
  });

  it('refuses a type listed twice or a name that is not a stable wire name', () => {
    expect(() => catalogue.with(item)).toThrow('Job type "item" is defined twice');
    expect(() => new JobCatalogue([{ ...item, type: 'ItemHandler' }])).toThrow(
      'Invalid job type "ItemHandler": use lowercase letters, digits and dashes',
    );
  });

  it('leaves the catalogue it extends unchanged', () => {
    catalogue.with({ ...item, type: 'other' });
    expect(catalogue.types()).toEqual(['item']);
  });
});
