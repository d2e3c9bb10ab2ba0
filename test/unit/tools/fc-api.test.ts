import { describe, expect, it } from 'vitest';
import { parseFcApi, UsageError } from '../../../tools/redrive/fc-api.js';

describe('redrive --fc-api / --service', () => {
  it('defaults to the FC 3.0 API, which has no services', () => {
    expect(parseFcApi({})).toEqual({ api: '2023-03-30' });
    expect(parseFcApi({ 'fc-api': '2023-03-30' })).toEqual({ api: '2023-03-30' });
  });

  it('takes the FC 2.0 API with the service the function belongs to', () => {
    expect(parseFcApi({ 'fc-api': '2016-08-15', service: 'ram-svc' })).toEqual({
      api: '2016-08-15',
      service: 'ram-svc',
    });
  });

  it('names the flag each problem is about', () => {
    const problem = (values: Parameters<typeof parseFcApi>[0]) => {
      try {
        parseFcApi(values);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error('expected a usage error');
    };
    expect(problem({ 'fc-api': '2016-08-15' })).toMatch(/^--service is required with --fc-api 2016-08-15/);
    expect(problem({ 'fc-api': '2016-08-15', service: '  ' })).toMatch(/^--service is required/);
    expect(problem({ service: 'ram-svc' })).toMatch(/^--service applies only to --fc-api 2016-08-15/);
    expect(problem({ 'fc-api': '2023-03-30', service: 'ram-svc' })).toMatch(/^--service applies only/);
    expect(problem({ 'fc-api': '2021-04-06' })).toBe(
      '--fc-api: expected 2016-08-15 or 2023-03-30, got "2021-04-06"',
    );
  });
});
