export * from './runner-jobs';
