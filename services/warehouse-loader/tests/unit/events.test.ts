import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { SQSEvent } from 'aws-lambda';
import { parseNotification, targetOf } from '../../src/notification.js';

const sample = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8')) as SQSEvent;

describe('sample events', () => {
  it('EventBridge sample names one events object and one windows object', () => {
    const objects = sample('eventbridge-object-created.json').Records.flatMap((r) =>
      parseNotification(r.body),
    );
    expect(objects.map((o) => targetOf(o.key))).toEqual(['events', 'windows']);
  });

  it('duplicate sample names the same object twice, key decoded', () => {
    const objects = sample('duplicate-notification.json').Records.flatMap((r) =>
      parseNotification(r.body),
    );
    expect(objects).toHaveLength(2);
    expect(objects[0]).toEqual(objects[1]);
    expect(objects[0]?.key).toMatch(/^events\/type=app\.log\/dt=2026-11-25\/hour=10\//);
  });

  it('test-event sample: no objects, an ignored prefix, then an unreadable body', () => {
    const [test, ignored, bad] = sample('test-event-and-ignored.json').Records;
    expect(parseNotification(test?.body ?? '')).toEqual([]);
    expect(parseNotification(ignored?.body ?? '').map((o) => targetOf(o.key))).toEqual([undefined]);
    expect(() => parseNotification(bad?.body ?? '')).toThrow(/not a JSON object/);
  });
});
