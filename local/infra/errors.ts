/** Typed errors of the local infrastructure (the real parts the project starts: Kafka and the DynamoDB server). */

/** A tool the local mode needs (Java, Maven) is missing or too old; the message says what to install. */
export class PrerequisiteMissingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PrerequisiteMissingError';
  }
}

/** A port the local mode wants to listen on is taken by another process. */
export class PortInUseError extends Error {
  readonly port: number;
  constructor(port: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PortInUseError';
    this.port = port;
  }
}

/** Maven could not fetch a component's jars from Maven Central. */
export class ArtifactFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArtifactFetchError';
  }
}

/** A component's process exited or did not become ready in time; the message carries its log tail. */
export class ComponentStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ComponentStartError';
  }
}

/** A CloudFormation resource the local mode cannot turn into a local table or queue. */
export class TemplateResourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateResourceError';
  }
}
