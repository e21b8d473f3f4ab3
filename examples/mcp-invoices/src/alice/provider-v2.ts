/** The in-memory provider typed for the v2 client, `@modelcontextprotocol/client`. */
import type {
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import type { Alice } from './alice.js';
import { type HostOptions, hostMetadata, InMemoryProvider } from './provider.js';

export class AliceProviderV2
  extends InMemoryProvider<
    OAuthClientMetadata & ReturnType<typeof hostMetadata>,
    StoredOAuthClientInformation,
    StoredOAuthTokens,
    OAuthDiscoveryState
  >
  implements OAuthClientProvider
{
  constructor(alice: Alice, options: HostOptions) {
    // Left without refresh_token in grant_types, the v2 client still registers for refresh
    // tokens (its DCR default) but never asks for offline_access; with it, the client asks for
    // offline_access whenever the authorization server advertises it (determineScope).
    super(alice, hostMetadata(options));
  }
}
