import { cronProblem, dueAt, isTimeZone, tickAfterFiring, ticksAfter } from './cron-schedule';

const at = (iso: string) => new Date(iso);

describe('cron-schedule', () => {
  it('reads 6-field expressions to the second and 5-field ones to the minute', () => {
    const after = at('2030-01-01T00:00:00.400Z');
    expect(ticksAfter({ cron: '* * * * * *', timeZone: 'UTC' }, after, 3)).toEqual([
      at('2030-01-01T00:00:01Z'),
      at('2030-01-01T00:00:02Z'),
      at('2030-01-01T00:00:03Z'),
    ]);
    expect(ticksAfter({ cron: '*/15 * * * *', timeZone: 'UTC' }, after)).toEqual([
      at('2030-01-01T00:15:00Z'),
    ]);
  });

  it('reads the expression in its time zone, across a daylight-saving change', () => {
    const ny = { cron: '0 9 * * *', timeZone: 'America/New_York' };
    expect(ticksAfter(ny, at('2030-03-09T00:00:00Z'), 2)).toEqual([
      at('2030-03-09T14:00:00Z'), // EST, UTC-5
      at('2030-03-10T13:00:00Z'), // EDT from 10 March, UTC-4
    ]);
  });

  it('fires once for any number of missed ticks and goes on from the next future tick', () => {
    const everyMinute = { cron: '0 * * * * *', timeZone: 'UTC' };
    const missedFrom = at('2030-01-01T00:00:00Z');
    const now = at('2030-01-01T05:30:20Z');
    expect(tickAfterFiring(everyMinute, missedFrom, now)).toEqual(at('2030-01-01T05:31:00Z'));
    // on time: simply the following tick
    expect(tickAfterFiring(everyMinute, missedFrom, at('2029-12-31T23:59:59.900Z'))).toEqual(
      at('2030-01-01T00:01:00Z'),
    );
  });

  it('refuses bad expressions with the reason, and expressions that never fire', () => {
    expect(cronProblem('*/5 * * * *')).toBeNull();
    expect(cronProblem('61 * * * *')).toMatch(/out of range/);
    expect(cronProblem('every day')).not.toBeNull();
    expect(cronProblem('0 0 30 2 *')).toBe('never fires');
  });

  it('knows IANA time zones and nothing else', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('jitters a tick by up to jitterSeconds, never earlier', () => {
    const tick = at('2030-01-01T00:00:00Z');
    expect(dueAt(tick, 10, () => 0)).toEqual(tick);
    expect(dueAt(tick, 10, () => 0.5)).toEqual(at('2030-01-01T00:00:05Z'));
    expect(dueAt(tick, 0, () => 0.99)).toEqual(tick);
  });
});
