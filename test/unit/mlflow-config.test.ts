// WINDSOCK_MLFLOW_TRACKING_URI and its credentials are checked when the worker starts: a bad value
// stops it with a message naming the variable; unset, nothing is tracked.
import { describe, expect, it } from 'vitest';
import { mlflowTrackerFromEnv } from '../../activities/mlflow-tracker-from-env';
import { loadWindsockEnv } from '../../config/windsock-env';

const failure = (env: NodeJS.ProcessEnv) => {
  try {
    loadWindsockEnv(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the environment was accepted');
};

describe('MLflow settings', () => {
  it('tracks nothing when no tracking server is set', () => {
    expect(mlflowTrackerFromEnv(loadWindsockEnv({}))).toBeUndefined();
  });

  it('makes a tracker for an http(s) tracking server, prefix kept', () => {
    const tracker = mlflowTrackerFromEnv(loadWindsockEnv({ WINDSOCK_MLFLOW_TRACKING_URI: 'https://mlflow.internal/tracking/', WINDSOCK_MLFLOW_TRACKING_TOKEN: 't0ken' }));
    expect(tracker?.client.where).toBe('https://mlflow.internal/tracking');
  });

  it('refuses a tracking URI that is not http(s), naming the variable', () => {
    expect(failure({ WINDSOCK_MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' })).toMatch(/WINDSOCK_MLFLOW_TRACKING_URI: an http\(s\):\/\/ URL of an MLflow tracking server/);
    expect(failure({ WINDSOCK_MLFLOW_TRACKING_URI: 'not a url' })).toMatch(/WINDSOCK_MLFLOW_TRACKING_URI/);
  });

  it('refuses credentials in the URL without repeating them', () => {
    const message = failure({ WINDSOCK_MLFLOW_TRACKING_URI: 'https://ml:hunter22@mlflow.internal' });
    expect(message).toMatch(/WINDSOCK_MLFLOW_TRACKING_URI: no user:password@ in the URL/);
    expect(message).not.toContain('hunter22');
  });

  it('wants the basic-auth username and password together', () => {
    expect(failure({ WINDSOCK_MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000', MLFLOW_TRACKING_USERNAME: 'ml' })).toMatch(/MLFLOW_TRACKING_PASSWORD: required when MLFLOW_TRACKING_USERNAME is set/);
    expect(failure({ WINDSOCK_MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000', MLFLOW_TRACKING_PASSWORD: 'pw' })).toMatch(/MLFLOW_TRACKING_USERNAME: required when MLFLOW_TRACKING_PASSWORD is set/);
  });
});
