export { backward, detach, noGrad, isRecording, liveGraphNodes, clearGraph, record, type BackwardRule } from './tape.ts';
