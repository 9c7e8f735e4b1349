import type { z } from 'zod'
import type { chain, challenges, epochs, jobs, rewards, swarm } from '../api/index.ts'

/** The API's answers, typed from the same zod schemas the coordinator checks them with (types only). */
export type SwarmStatus = z.infer<typeof swarm.SwarmStatus>
export type Agent = z.infer<typeof swarm.AgentView>
export type OwnAgent = z.infer<typeof swarm.OwnAgentView>
export type Shadow = z.infer<(typeof swarm.swarmShadow)['schema']['response'][200]>
export type Leaderboard = z.infer<(typeof swarm.swarmLeaderboard)['schema']['response'][200]>
export type OpenEpoch = z.infer<typeof rewards.OpenEpoch>
export type AgentRewards = z.infer<typeof rewards.AgentRewards>
export type EpochSettlements = z.infer<(typeof rewards.swarmEpochs)['schema']['response'][200]>
export type EpochSettlementDetail = z.infer<(typeof rewards.swarmEpochByNumber)['schema']['response'][200]>
export type CurrentEpoch = z.infer<typeof epochs.CurrentEpoch>
export type EpochList = z.infer<typeof epochs.EpochList>
export type SealedEpoch = z.infer<typeof epochs.SealedEpochWithSummary>
export type JobPage = z.infer<typeof epochs.JobPage>
export type ChallengeList = z.infer<(typeof challenges.listChallenges)['schema']['response'][200]>
export type ChallengeDetail = z.infer<typeof challenges.ChallengeDetail>
export type Messages = z.infer<(typeof chain.messages)['schema']['response'][200]>
export type Job = z.infer<typeof jobs.Job>
export type JobList = z.infer<(typeof jobs.list)['schema']['response'][200]>
