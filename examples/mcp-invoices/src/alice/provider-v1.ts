/** The in-memory provider typed for the v1 client, `@modelcontextprotocol/sdk` 1.x. */
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Alice } from './alice.js';
import { type HostOptions, hostMetadata, InMemoryProvider } from './provider.js';

export class AliceProviderV1
  extends InMemoryProvider<
    OAuthClientMetadata & ReturnType<typeof hostMetadata>,
    OAuthClientInformationMixed,
    OAuthTokens,
    OAuthDiscoveryState
  >
  implements OAuthClientProvider
{
  constructor(alice: Alice, options: HostOptions) {
    // The v1 client never asks for offline_access: with refresh_token in grant_types it gets
    // refresh tokens only from an authorization server that issues them without it.
    super(alice, hostMetadata(options));
  }
}
