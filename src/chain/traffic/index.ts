export {
  type CreateTrafficParameters,
  createTraffic,
  type SentTransaction,
  TRAFFIC_KINDS,
  type Traffic,
  type TrafficKind,
} from './createTraffic.ts'
