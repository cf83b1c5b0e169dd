import { describe, expect, it } from '@jest/globals';
import { ServiceConfigError } from '../../src/errors.js';
import { ScheduleEmitter, scheduledEvent, scheduleSettings } from '../../src/schedule/schedule.js';

describe('scheduleSettings', () => {
  it.each([
    ['rate(1 minute)', 60],
    ['rate(5 minutes)', 300],
    ['rate(2 hours)', 7200],
    ['rate(1 day)', 86_400],
  ])('reads %s as %i seconds', (rate, seconds) => {
    // Act
    const settings = scheduleSettings('svc.fn', rate);
    // Assess
    expect(settings).toEqual({ rateSeconds: seconds, enabled: true });
  });

  it('reads the object form with enabled: false', () => {
    // Act / Assess
    expect(scheduleSettings('svc.fn', { rate: ['rate(10 minutes)'], enabled: false })).toEqual({
      rateSeconds: 600,
      enabled: false,
    });
  });

  it.each(['cron(0 12 * * ? *)', 'rate(0 minutes)', 'rate(1 second)', 'every minute'])(
    'refuses %s, naming the function',
    (rate) => {
      // Act / Assess
      expect(() => scheduleSettings('svc.fn', rate)).toThrow(ServiceConfigError);
      expect(() => scheduleSettings('svc.fn', rate)).toThrow(/svc\.fn/);
    },
  );
});

describe('ScheduleEmitter', () => {
  it('invokes with EventBridge scheduled events on its interval, one at a time, until stopped', async () => {
    // Prepare: a slow target (40 ms) on a 10 ms interval.
    const events: Record<string, unknown>[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const emitter = new ScheduleEmitter({
      functionName: 'fn',
      ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/fn-schedule-1',
      region: 'us-east-1',
      intervalMs: 10,
      invoke: async (event) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        events.push(event as Record<string, unknown>);
        await new Promise((r) => setTimeout(r, 40));
        inFlight -= 1;
      },
    });
    // Act
    emitter.start();
    await new Promise((r) => setTimeout(r, 250));
    await emitter.stop();
    const after = events.length;
    await new Promise((r) => setTimeout(r, 50));
    // Assess
    expect(after).toBeGreaterThanOrEqual(2);
    expect(events.length).toBe(after);
    expect(maxInFlight).toBe(1);
    expect(events[0]).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/fn-schedule-1'],
      detail: {},
    });
  });

  it('counts a failed invocation and reports it without stopping', async () => {
    // Prepare
    const notices: string[] = [];
    const emitter = new ScheduleEmitter({
      functionName: 'fn',
      ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r',
      region: 'us-east-1',
      intervalMs: 60_000,
      invoke: async () => {
        throw new Error('boom');
      },
      onNotice: (m) => notices.push(m),
    });
    // Act
    await emitter.fire();
    await emitter.fire();
    // Assess
    expect(emitter.stats).toEqual({ invocations: 2, failures: 2 });
    expect(notices).toEqual([
      'fn: scheduled invocation failed: boom',
      'fn: scheduled invocation failed: boom',
    ]);
  });
});

describe('scheduledEvent', () => {
  it('stamps the time to the second, as EventBridge does', () => {
    // Act
    const event = scheduledEvent(
      'arn:aws:events:eu-west-1:123456789012:rule/r',
      'eu-west-1',
      new Date('2026-12-07T10:00:00.123Z'),
    );
    // Assess
    expect(event).toMatchObject({
      time: '2026-12-07T10:00:00Z',
      account: '123456789012',
      region: 'eu-west-1',
    });
  });
});
