// Starts `permitlint lsp` for .policy files (and YAML permits) through
// vscode-languageclient; everything else is the server's.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration('permitlint');
  const documentSelector = [{ scheme: 'file', language: 'permitlint-policy' }];
  if (config.get('permits', true)) {
    documentSelector.push({ scheme: 'file', language: 'yaml' });
  }
  client = new LanguageClient(
    'permitlint',
    'permitlint',
    { command: config.get('path', 'permitlint'), args: ['lsp'] },
    {
      documentSelector,
      initializationOptions: { library: config.get('library', []) },
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
