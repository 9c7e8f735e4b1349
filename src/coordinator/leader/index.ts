export {
  type AcquireLeaderLeaseParameters,
  acquireLeaderLease,
  type LeaderLease,
  leaseHolder,
} from './acquireLeaderLease.ts'
