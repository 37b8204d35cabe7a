#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { ConfigError } from '../lib/config';

const app = new App();
try {
  buildApp(app);
} catch (error) {
  if (error instanceof ConfigError) {
    // A value the user typed: one line that says what to change, no stack trace.
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
app.synth();
