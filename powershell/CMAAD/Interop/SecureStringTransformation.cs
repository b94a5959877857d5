// PowerShell glue (not interop): lets -SecretKey take a plain string, as Microsoft's published
// Import-CMAADServerApplication example does, converting it to a SecureString. The cmdlet then
// writes a warning on its own warning stream (so -WarningAction and -WarningVariable apply):
// it asks TakePlainTextConversion() in its process block, on the thread that bound the
// parameter. Compiled by Add-Type next to CmaadNative.cs; C# 5, .NET Framework 4.x APIs only.

using System;
using System.Management.Automation;
using System.Security;

namespace CMAAD
{
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false)]
    public sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        public const string PlainTextWarning =
            "SecretKey was given as plain text; it was converted to a SecureString, but the text may remain in your command history and transcripts. " +
            "Pass (Read-Host -AsSecureString) or a SecureString from a secret store instead.";

        [ThreadStatic]
        private static bool convertedPlainText;

        /// <summary>True once after a plain string was converted on this thread; resets the flag.</summary>
        public static bool TakePlainTextConversion()
        {
            bool converted = convertedPlainText;
            convertedPlainText = false;
            return converted;
        }

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            convertedPlainText = false;
            object value = inputData;
            PSObject wrapped = value as PSObject;
            if (wrapped != null)
            {
                value = wrapped.BaseObject;
            }
            if (value is SecureString)
            {
                return value;
            }
            string text = value as string;
            if (text == null)
            {
                return inputData;
            }
            var secure = new SecureString();
            foreach (char c in text)
            {
                secure.AppendChar(c);
            }
            secure.MakeReadOnly();
            convertedPlainText = true;
            return secure;
        }
    }
}
