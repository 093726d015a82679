/**
 * CommonJS entry: `require('bbre-sdk')` is the BBREClient class itself, as the hosted SDK's require is, with every
 * named export (and `default`) on it. Compiled only by the CommonJS build.
 */
import { BBREClient, BBREError, BBRESession, BrowserAPI, DEFAULT_BASE_URL, RenewingSession, SDK_VERSION, isBBREError } from './index.js';
import type * as sdk from './index.js';

const entry = Object.assign(BBREClient, {
  BBREClient,
  BBRESession,
  BrowserAPI,
  BBREError,
  RenewingSession,
  isBBREError,
  SDK_VERSION,
  DEFAULT_BASE_URL,
  default: BBREClient,
});

// Types under the same name, for `import BBRE = require('bbre-sdk')` then `BBRE.RequestResult`.
// eslint-disable-next-line @typescript-eslint/no-namespace
namespace entry {
  export type BBREClient = sdk.BBREClient;
  export type BBRESession = sdk.BBRESession;
  export type BrowserAPI = sdk.BrowserAPI;
  export type BBREError = sdk.BBREError;
  export type RenewingSession = sdk.RenewingSession;
  export type RenewingSessionOptions = sdk.RenewingSessionOptions;
  export type BBREErrorDetails = sdk.BBREErrorDetails;
  export type BBREErrorOptions = sdk.BBREErrorOptions;
  export type Mode = sdk.Mode;
  export type Sensibility = sdk.Sensibility;
  export type SessionStatus = sdk.SessionStatus;
  export type EndedReason = sdk.EndedReason;
  export type TaskStatus = sdk.TaskStatus;
  export type TaskType = sdk.TaskType;
  export type AccountStatus = sdk.AccountStatus;
  export type HttpMethod = sdk.HttpMethod;
  export type BrowserSpeed = sdk.BrowserSpeed;
  export type Profile = sdk.Profile;
  export type ProxyConfig = sdk.ProxyConfig;
  export type Proxy = sdk.Proxy;
  export type Cookie = sdk.Cookie;
  export type CookieAttributes = sdk.CookieAttributes;
  export type RequestOptions = sdk.RequestOptions;
  export type StatelessRequestOptions = sdk.StatelessRequestOptions;
  export type ClientRequestOptions = sdk.ClientRequestOptions;
  export type ShortcutOptions = sdk.ShortcutOptions;
  export type BodyShortcutOptions = sdk.BodyShortcutOptions;
  export type TaskError = sdk.TaskError;
  export type TaskInfo = sdk.TaskInfo;
  export type RedirectHop = sdk.RedirectHop;
  export type RequestResult = sdk.RequestResult;
  export type TaskResult = sdk.TaskResult;
  export type CreatedTask = sdk.CreatedTask;
  export type SessionInfo = sdk.SessionInfo;
  export type SessionSummary = sdk.SessionSummary;
  export type AccountDetails = sdk.AccountDetails;
  export type AccountStatistics = sdk.AccountStatistics;
  export type AccountInfo = sdk.AccountInfo;
  export type Pagination = sdk.Pagination;
  export type SessionListOptions = sdk.SessionListOptions;
  export type SessionList = sdk.SessionList;
  export type HistoryOptions = sdk.HistoryOptions;
  export type HistoryRecord = sdk.HistoryRecord;
  export type HistoryList = sdk.HistoryList;
  export type RetryEvent = sdk.RetryEvent;
  export type FetchLike = sdk.FetchLike;
  export type BBREClientOptions = sdk.BBREClientOptions;
  export type CreateSessionOptions = sdk.CreateSessionOptions;
  export type BBRESessionOptions = sdk.BBRESessionOptions;
  export type StartedSession = sdk.StartedSession;
  export type BrowserActionName = sdk.BrowserActionName;
  export type BrowserStep = sdk.BrowserStep;
  export type BrowserCallOptions = sdk.BrowserCallOptions;
  export type BatchStepResult = sdk.BatchStepResult;
  export type ActionData = sdk.ActionData;
  export type BatchData = sdk.BatchData;
  export type NavigationResult = sdk.NavigationResult;
  export type ScrollPosition = sdk.ScrollPosition;
  export type BrowserCookie = sdk.BrowserCookie;
  export type BrowserCookieInput = sdk.BrowserCookieInput;
  export type FormFieldValue = sdk.FormFieldValue;
  export type SubmitFormOptions = sdk.SubmitFormOptions;
  export type SubmitFormResult = sdk.SubmitFormResult;
  export type CheckPageOptions = sdk.CheckPageOptions;
  export type CheckPageResult = sdk.CheckPageResult;
}

export = entry;
