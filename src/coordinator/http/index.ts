export {
  buildHttpApi,
  DEFAULT_HTTP_LIMITS,
  type HttpApiDependencies,
  type HttpLimits,
} from './buildHttpApi.ts'
