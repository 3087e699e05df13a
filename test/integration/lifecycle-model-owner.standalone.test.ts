import { lifecycleModelScenarios } from './lifecycle-model.scenarios.js';

// The same model with owner fingerprints: pods replaced by their Deployment make one signal per Deployment.
lifecycleModelScenarios('standalone', Number(process.env.LIFECYCLE_MODEL_RUNS ?? 60), 'owner');
