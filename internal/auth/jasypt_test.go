package auth

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The values in ActiveMQ's conf/credentials-enc.properties, encrypted with
// `activemq encrypt --password activemq`.
func TestDecryptShippedValues(t *testing.T) {
	for enc, want := range map[string]string{
		"mYRkg+4Q4hua1kvpCCI2hg==":              "manager",
		"ENC(Cf3Jf3tM+UrSOoaKU50od5CuBa8rxjoL)": "password",
	} {
		got, err := Decrypt("activemq", enc)
		if err != nil || got != want {
			t.Errorf("%s: %q %v", enc, got, err)
		}
	}
	if _, err := Decrypt("wrong", "mYRkg+4Q4hua1kvpCCI2hg=="); !errors.Is(err, ErrDecrypt) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := Decrypt("activemq", "not base64!"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("garbage: %v", err)
	}
	if _, err := Decrypt("activemq", "AAAA"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("short: %v", err)
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	for _, alg := range []string{"", "PBEWithMD5AndDES", "PBEWITHHMACSHA512ANDAES_256", "PBEWithHmacSHA256AndAES_128"} {
		for _, text := range []string{"", "manager", "päss wörd ✓ with a long tail to span blocks"} {
			enc, err := EncryptWith(alg, "activemq", text)
			if err != nil {
				t.Fatalf("%s: %v", alg, err)
			}
			enc2, _ := EncryptWith(alg, "activemq", text)
			if enc == enc2 {
				t.Fatalf("%s: no random salt", alg)
			}
			got, err := DecryptWith(alg, "activemq", "ENC("+enc+")")
			if err != nil || got != text {
				t.Fatalf("%s %q: %q %v", alg, text, got, err)
			}
		}
	}
	if _, err := EncryptWith("PBEWithSHA1AndRC2_40", "p", "x"); err == nil {
		t.Fatal("unsupported algorithm accepted")
	}
	if _, err := Encrypt("", "x"); err == nil {
		t.Fatal("empty password accepted")
	}
	if _, err := Encrypt("pässwort", "x"); err == nil {
		t.Fatal("non-ASCII password accepted for PBEWithMD5AndDES")
	}
}

// TestEncryptedCredentialsInConfig: a value from Encrypt, put into
// credentials-enc.properties, is decrypted by the configuration loader and
// logs the user in.
func TestEncryptedCredentialsInConfig(t *testing.T) {
	enc, err := Encrypt("activemq", "t0psecret")
	if err != nil {
		t.Fatal(err)
	}
	xml := `<beans xmlns="http://www.springframework.org/schema/beans">
  <bean id="environmentVariablesConfiguration" class="org.jasypt.encryption.pbe.config.EnvironmentStringPBEConfig">
    <property name="algorithm" value="PBEWithMD5AndDES" />
    <property name="passwordEnvName" value="ACTIVEMQ_ENCRYPTION_PASSWORD" />
  </bean>
  <bean id="configurationEncryptor" class="org.jasypt.encryption.pbe.StandardPBEStringEncryptor">
    <property name="config" ref="environmentVariablesConfiguration" />
  </bean>
  <bean id="propertyConfigurer" class="org.jasypt.spring4.properties.EncryptablePropertyPlaceholderConfigurer">
      <constructor-arg ref="configurationEncryptor" />
      <property name="location" value="file:${activemq.conf}/credentials-enc.properties"/>
  </bean>
  <broker xmlns="http://activemq.apache.org/schema/core" persistent="false">
    <plugins>
      <simpleAuthenticationPlugin>
        <users>
          <authenticationUser username="${activemq.username}" password="${activemq.password}" groups="admins"/>
        </users>
      </simpleAuthenticationPlugin>
    </plugins>
  </broker>
</beans>`
	cfg := parse(t, xml, map[string]string{
		"credentials-enc.properties": "activemq.username=system\nactivemq.password=ENC(" + enc + ")\n",
	}, map[string]string{EncryptionPasswordEnv: "activemq"})
	a, _, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate("system", "t0psecret", nil); err != nil {
		t.Fatal(err)
	}
}

const jasyptProgram = `import org.jasypt.encryption.pbe.StandardPBEStringEncryptor;
import org.jasypt.iv.RandomIvGenerator;
public class Jasypt {
  public static void main(String[] a) {
    StandardPBEStringEncryptor e = new StandardPBEStringEncryptor();
    e.setAlgorithm(a[1]);
    if (a[1].contains("AES")) e.setIvGenerator(new RandomIvGenerator());
    e.setPassword(a[2]);
    System.out.print(a[0].equals("enc") ? e.encrypt(a[3]) : e.decrypt(a[3]));
  }
}
`

// TestJasyptCrossCheck encrypts with Jasypt (as `activemq encrypt` does,
// including its RandomIvGenerator for AES algorithms) and decrypts here,
// and the other way round. Skipped without Java and the Jasypt jar.
func TestJasyptCrossCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a JVM")
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java not installed")
	}
	var jar string
	for _, p := range []string{"/usr/share/activemq/lib/optional/jasypt.jar", "/usr/share/java/jasypt.jar"} {
		if _, err := os.Stat(p); err == nil {
			jar = p
			break
		}
	}
	if jar == "" {
		t.Skip("jasypt.jar not found")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "Jasypt.java")
	if err := os.WriteFile(src, []byte(jasyptProgram), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(java, append([]string{"-cp", jar, src}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("java %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	const text = "manager with spaces + symbols #1"
	for _, alg := range []string{"PBEWithMD5AndDES", "PBEWITHHMACSHA512ANDAES_256"} {
		fromJava := run("enc", alg, "activemq", text)
		got, err := DecryptWith(alg, "activemq", fromJava)
		if err != nil || got != text {
			t.Errorf("%s: Java's %s decrypts to %q, %v", alg, fromJava, got, err)
		}
		ours, err := EncryptWith(alg, "activemq", text)
		if err != nil {
			t.Fatal(err)
		}
		if back := run("dec", alg, "activemq", ours); back != text {
			t.Errorf("%s: Java decrypts ours to %q", alg, back)
		}
	}
}
