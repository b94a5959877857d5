// A stand-in for the few System.Management.Automation members the -SecretKey transformation
// uses, so mono can compile and exercise powershell/CMAAD/Interop/SecureStringTransformation.cs
// unchanged. Same namespaces and member names as PowerShell's; test-only behaviour (a recorded
// warning list, public constructors).

using System;
using System.Collections.Generic;

namespace System.Management.Automation
{
    public abstract class ArgumentTransformationAttribute : Attribute
    {
        public abstract object Transform(EngineIntrinsics engineIntrinsics, object inputData);
    }

    public sealed class EngineIntrinsics
    {
        private readonly Host.PSHost host;

        public EngineIntrinsics(Host.PSHost host)
        {
            this.host = host;
        }

        public Host.PSHost Host
        {
            get { return host; }
        }
    }

    public class PSObject
    {
        private readonly object baseObject;

        public PSObject(object obj)
        {
            baseObject = obj;
        }

        public object BaseObject
        {
            get { return baseObject; }
        }
    }
}

namespace System.Management.Automation.Host
{
    public class PSHost
    {
        private readonly PSHostUserInterface ui = new PSHostUserInterface();

        public PSHostUserInterface UI
        {
            get { return ui; }
        }
    }

    public class PSHostUserInterface
    {
        public readonly List<string> Warnings = new List<string>();

        public void WriteWarningLine(string message)
        {
            Warnings.Add(message);
        }
    }
}
