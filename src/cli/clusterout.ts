/**
 * What `hsi cluster` writes: the files report/cluster.ts makes (cluster map, labels, confusion
 * matrix), returning the metrics and legend for summary.json, which cli/cluster.ts writes last.
 */
import type { ClusterScores } from '../metrics/cluster.ts';
import { clusterFiles, type ClusterLegendEntry, type ClusterResult } from '../report/cluster.ts';
import { writeFiles } from './outputs.ts';

export { clusterMetrics, type ClusterResult } from '../report/cluster.ts';

/** Writes every output but the summary; returns the file names and the metrics and legend for it. */
export async function writeClusterOutputs(dir: string, r: ClusterResult): Promise<{ files: Record<string, string>; metrics: ClusterScores | null; legend: ClusterLegendEntry[] }> {
  const { names, bytes, metrics, legend } = clusterFiles(r);
  await writeFiles(dir, bytes);
  return { files: names, metrics, legend };
}
