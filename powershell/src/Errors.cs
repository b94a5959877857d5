// A failed native call as a typed exception, and as the one ErrorRecord a cmdlet writes for it:
// FullyQualifiedErrorId CMAAD.<Code>,<Cmdlet>, the category from the status, the request field
// as target, the exception inside.

// [DataMember] fields are set by DataContractJsonSerializer, which the compiler cannot see.
#pragma warning disable 0649

using System;
using System.Globalization;
using System.Management.Automation;
using System.Runtime.Serialization;

namespace CMAAD.Interop
{
    [DataContract]
    internal class ErrorDocument
    {
        [DataMember(Name = "Error")] internal ErrorBody Error;
    }

    [DataContract]
    internal class ErrorBody
    {
        [DataMember] internal string Code;
        [DataMember] internal string Target;
        [DataMember] internal string Message;
        [DataMember] internal string CorrelationId;
        [DataMember] internal long[] EntraErrorCodes;
        [DataMember] internal long? ID;
    }

    /// <summary>A failure reported by the native library: the error document, typed.</summary>
    public class CmaadException : Exception
    {
        private readonly long[] entraErrorCodes;

        internal CmaadException(CmaadStatus status, ErrorBody body, string operation, object details)
            : base(body.Message)
        {
            Status = status;
            Code = string.IsNullOrEmpty(body.Code) ? status.ToString() : body.Code;
            Target = body.Target;
            entraErrorCodes = body.EntraErrorCodes ?? new long[0];
            CorrelationId = body.CorrelationId;
            ExistingId = body.ID;
            Operation = operation;
            Details = details;
        }

        /// <summary>The status the call returned.</summary>
        public CmaadStatus Status { get; private set; }

        /// <summary>The stable error code, e.g. InvalidClientId.</summary>
        public string Code { get; private set; }

        /// <summary>The request field the error concerns, or null.</summary>
        public string Target { get; private set; }

        /// <summary>AADSTS codes Microsoft Entra ID answered with.</summary>
        public long[] EntraErrorCodes
        {
            get { return (long[])entraErrorCodes.Clone(); }
        }

        /// <summary>Entra's correlation ID, for a support case.</summary>
        public string CorrelationId { get; private set; }

        /// <summary>The existing object's ID (AlreadyExists).</summary>
        public long? ExistingId { get; private set; }

        /// <summary>Structured detail (verification checks, rotation step, ...), or null.</summary>
        public object Details { get; private set; }

        /// <summary>The native function that failed.</summary>
        public string Operation { get; private set; }

        /// <summary>The ErrorCategory of the status; store failures are read or write errors by operation.</summary>
        public ErrorCategory Category
        {
            get
            {
                switch (Status)
                {
                    case CmaadStatus.InvalidArgument: return ErrorCategory.InvalidArgument;
                    case CmaadStatus.NotFound: return ErrorCategory.ObjectNotFound;
                    case CmaadStatus.AlreadyExists: return ErrorCategory.ResourceExists;
                    case CmaadStatus.VerificationFailed: return ErrorCategory.AuthenticationError;
                    case CmaadStatus.Network: return ErrorCategory.ConnectionError;
                    case CmaadStatus.Store:
                        bool read = Operation == "cmaad_session_open" || Operation.StartsWith("cmaad_get_", StringComparison.Ordinal);
                        return read ? ErrorCategory.ReadError : ErrorCategory.WriteError;
                    default: return ErrorCategory.NotSpecified;
                }
            }
        }

        /// <summary>The ErrorRecord a cmdlet writes: id CMAAD.&lt;Code&gt;, target the field (or the given object).</summary>
        public ErrorRecord ToErrorRecord(object target)
        {
            var record = new ErrorRecord(this, "CMAAD." + Code, Category, Target ?? target);
            if (!string.IsNullOrEmpty(CorrelationId))
            {
                record.ErrorDetails = new ErrorDetails(Message);
                record.ErrorDetails.RecommendedAction = string.Format(CultureInfo.InvariantCulture,
                    "Quote correlation ID {0} and Entra codes AADSTS{1} in a support case.",
                    CorrelationId, string.Join(", AADSTS", Array.ConvertAll(entraErrorCodes, c => c.ToString(CultureInfo.InvariantCulture))));
            }
            return record;
        }

        /// <summary>Builds the typed exception for a status and its error document.</summary>
        internal static CmaadException FromDocument(CmaadStatus status, string document, string operation)
        {
            ErrorBody body = null;
            object details = null;
            if (document != null)
            {
                try
                {
                    ErrorDocument parsed = JsonDocument.Read<ErrorDocument>(document);
                    body = parsed == null ? null : parsed.Error;
                    if (body != null && document.Contains("\"Details\""))
                    {
                        var error = JsonDocument.Find(JsonDocument.Tree(document), "Error");
                        var member = error == null ? null : JsonDocument.Find(error, "Details");
                        details = member == null ? null : JsonDocument.ToValue(member);
                    }
                }
                catch (SerializationException)
                {
                    body = null;
                }
            }
            if (body == null || string.IsNullOrEmpty(body.Message))
            {
                body = new ErrorBody
                {
                    Code = status.ToString(),
                    Message = string.Format(CultureInfo.InvariantCulture,
                        "{0} failed with status {1} ({2}) and no readable error document.", operation, (uint)status, status),
                };
            }
            switch (status)
            {
                case CmaadStatus.InvalidArgument: return new CmaadInvalidArgumentException(status, body, operation, details);
                case CmaadStatus.NotFound: return new CmaadNotFoundException(status, body, operation, details);
                case CmaadStatus.AlreadyExists: return new CmaadAlreadyExistsException(status, body, operation, details);
                case CmaadStatus.VerificationFailed: return new CmaadVerificationFailedException(status, body, operation, details);
                case CmaadStatus.Network: return new CmaadNetworkException(status, body, operation, details);
                case CmaadStatus.Store: return new CmaadStoreException(status, body, operation, details);
                default: return new CmaadInternalException(status, body, operation, details);
            }
        }
    }

    /// <summary>CMAAD_INVALID_ARGUMENT: bad input; the message names the field and the fix.</summary>
    public class CmaadInvalidArgumentException : CmaadException
    {
        internal CmaadInvalidArgumentException(CmaadStatus s, ErrorBody b, string o, object d) : base(s, b, o, d) { }
    }

    /// <summary>CMAAD_NOT_FOUND: a referenced app, tenant or service does not exist.</summary>
    public class CmaadNotFoundException : CmaadException
    {
        internal CmaadNotFoundException(CmaadStatus s, ErrorBody b, string o, object d) : base(s, b, o, d) { }
    }

    /// <summary>CMAAD_ALREADY_EXISTS: the object exists; ExistingId carries its ID.</summary>
    public class CmaadAlreadyExistsException : CmaadException
    {
        internal CmaadAlreadyExistsException(CmaadStatus s, ErrorBody b, string o, object d) : base(s, b, o, d) { }
    }

    /// <summary>CMAAD_VERIFICATION_FAILED: Microsoft Entra ID refused the app or tenant.</summary>
    public class CmaadVerificationFailedException : CmaadException
    {
        internal CmaadVerificationFailedException(CmaadStatus s, ErrorBody b, string o, object d) : base(s, b, o, d) { }
    }

    /// <summary>CMAAD_NETWORK: Entra or Graph could not be reached.</summary>
    public class CmaadNetworkException : CmaadException
    {
        internal CmaadNetworkException(CmaadStatus s, ErrorBody b, string o, object d) : base(s, b, o, d) { }
    }

    /// <summary>CMAAD_STORE: the site store failed.</summary>
    public class CmaadStoreException : CmaadException
    {
        internal CmaadStoreException(CmaadStatus s, ErrorBody b, string o, object d) : base(s, b, o, d) { }
    }

    /// <summary>CMAAD_INTERNAL (or an unknown status): a bug; the host process survives.</summary>
    public class CmaadInternalException : CmaadException
    {
        internal CmaadInternalException(CmaadStatus s, ErrorBody b, string o, object d) : base(s, b, o, d) { }
    }
}
