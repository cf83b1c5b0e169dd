import { describe, expect, it } from '@jest/globals';
import {
  createResources,
  findJava,
  ResourceError,
  type ResourceSpec,
  ServiceUnavailableError,
} from '../../src/index.js';

describe('createResources', () => {
  it('refuses a resource whose stand-in is not in the environment', async () => {
    // Act
    const result = createResources({ buckets: ['lake-bucket'] }, { AWS_REGION: 'us-east-1' });

    // Assess
    await expect(result).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(result).rejects.toThrow(/AWS_ENDPOINT_URL_S3/);
  });

  it('refuses spec keys no registered stand-in creates', async () => {
    // Prepare
    const spec = { queues: [{ name: 'dlq' }] } as unknown as ResourceSpec;

    // Act
    const result = createResources(spec, { AWS_REGION: 'us-east-1' });

    // Assess
    await expect(result).rejects.toBeInstanceOf(ResourceError);
  });
});

describe('findJava', () => {
  it('finds nothing on an empty PATH without JAVA_HOME', () => {
    // Act
    const java = findJava({ PATH: '/nonexistent' });

    // Assess
    expect(java).toBeUndefined();
  });
});
