// The MLflow tracker the worker's activities use: one when WINDSOCK_MLFLOW_TRACKING_URI is set, none otherwise.
import type { WindsockEnv } from '../config/windsock-env';
import { MlflowTracker } from './mlflow-run-tracking';
import { MlflowClient } from './mlflow-tracking';

export function mlflowTrackerFromEnv(env: Pick<WindsockEnv, 'WINDSOCK_MLFLOW_TRACKING_URI' | 'WINDSOCK_MLFLOW_TRACKING_TOKEN' | 'MLFLOW_TRACKING_USERNAME' | 'MLFLOW_TRACKING_PASSWORD'>): MlflowTracker | undefined {
  if (!env.WINDSOCK_MLFLOW_TRACKING_URI) return undefined;
  return new MlflowTracker(
    new MlflowClient({
      trackingUri: env.WINDSOCK_MLFLOW_TRACKING_URI,
      token: env.WINDSOCK_MLFLOW_TRACKING_TOKEN,
      username: env.MLFLOW_TRACKING_USERNAME,
      password: env.MLFLOW_TRACKING_PASSWORD,
    }),
  );
}
